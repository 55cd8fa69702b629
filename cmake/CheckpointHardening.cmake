# The hardening Debian builds its packages with (dpkg-buildflags: hardening=+all),
# for the binaries the packages ship: fortified libc calls (checked at compile time
# and at run time) and immediate binding with a read-only GOT (-z relro -z now).
# Optimised builds only (_FORTIFY_SOURCE needs optimisation), and not under the
# sanitizers or libFuzzer, which intercept the same calls.
if(NOT CHECKPOINT_SANITIZE AND NOT CHECKPOINT_FUZZ)
  add_compile_definitions($<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
  add_link_options(LINKER:-z,relro LINKER:-z,now)
endif()

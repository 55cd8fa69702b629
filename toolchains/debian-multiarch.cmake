# Shared by the toolchain files: a cross build against Debian's multiarch libraries
# for CHECKPOINT_TRIPLE, tests under the qemu-user emulator CHECKPOINT_QEMU.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${CHECKPOINT_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${CHECKPOINT_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${CHECKPOINT_TRIPLE})
set(CMAKE_FIND_ROOT_PATH /usr/${CHECKPOINT_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# Without -L: with it, any program that starts a thread hangs under qemu-user.
set(CMAKE_CROSSCOMPILING_EMULATOR /usr/bin/${CHECKPOINT_QEMU})
# Otherwise FindOpenSSL, FindCURL and pkg-config silently pick the host's libraries.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${CHECKPOINT_TRIPLE}/pkgconfig:/usr/share/pkgconfig")

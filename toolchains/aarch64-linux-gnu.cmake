# Cross-build for 64-bit ARM against Debian's multiarch arm64 libraries.
# Needs: scripts/deps.sh --cross arm64. Tests run under qemu-user.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CHECKPOINT_TRIPLE aarch64-linux-gnu)
set(CHECKPOINT_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)

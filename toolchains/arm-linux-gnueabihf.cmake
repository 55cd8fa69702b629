# Cross-build for 32-bit ARM (ARMv7, hard float) against Debian's multiarch armhf
# libraries. Needs: scripts/deps.sh --cross armhf, which fails (exit 3) while
# Debian's armhf index cannot be had. Tests run under qemu-user.
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(CHECKPOINT_TRIPLE arm-linux-gnueabihf)
set(CHECKPOINT_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)

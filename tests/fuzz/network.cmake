# Fuzz targets of the network and binary protocol decoders (hal/protocols/network.cmake).

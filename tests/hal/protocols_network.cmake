# Tests of the network and binary protocol decoders.

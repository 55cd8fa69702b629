# Network and binary protocols: N42.42 XML, camera JSON, chip reader frames.

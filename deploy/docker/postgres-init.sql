-- The test suite's own database beside the hub's.
CREATE DATABASE projhub_test OWNER projhub;

#!/bin/sh
# After InfluxDB 2.7's first setup: the test bucket, and database/retention-policy mappings so that
# InfluxQL (what the hub reads with) can address both buckets.
set -e
influx bucket create -n projhub_test -o projhub
for bucket in projhub projhub_test; do
  id=$(influx bucket list -n "$bucket" -o projhub --hide-headers | cut -f1)
  influx v1 dbrp create --db "$bucket" --rp autogen --default --bucket-id "$id" -o projhub
done

#!/usr/bin/env bash
# Makes an API key for the hub: deploy/api-key.sh <writer|reader|admin> [name]
# Prints the key once on stdout (keep it: the hub keeps only its SHA-256) and appends "<id> <role> <sha256> [name]"
# to the keys file (PROJHUB_API_KEYS_FILE, default .run/api-keys), which the hub re-reads within seconds: no restart.
# Rotate: make a new key, move the clients to it, then delete the old key's line (its id is the part after phk_).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=${PROJHUB_RUN_DIR:-$ROOT/.run}
FILE=${PROJHUB_API_KEYS_FILE:-$RUN/api-keys}

role=${1:-}
name=${2:-}
case "$role" in
  writer|reader|admin) ;;
  *) echo "usage: $0 <writer|reader|admin> [name]" >&2; exit 2 ;;
esac
if [ -n "$name" ] && ! [[ "$name" =~ ^[[:print:]]{1,100}$ ]]; then
  echo "api-key.sh: a name is 1 to 100 printable characters" >&2
  exit 2
fi

id=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
secret=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
key="phk_${id}_${secret}"
hash=$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)

mkdir -p "$(dirname "$FILE")"
(umask 077; touch "$FILE")
echo "$id $role $hash${name:+ $name}" >>"$FILE"
echo "api-key.sh: added $role key $id${name:+ ($name)} to $FILE" >&2
echo "$key"

#!/bin/sh
# One command for the gateway benchmark against a running `./agora run` platform: publishes
# functions/bench/handler.sh as function "bench" for the dev developer, deploys it on the local agent,
# waits until it is ACTIVE, then runs gateway-bench.sh (gateway vs agent direct vs script alone).
# The functions service must allow the benchmark's call rate: start the platform with
#   AGORA_FUNCTIONS_RATE_LIMIT_PER_SECOND=100000 AGORA_FUNCTIONS_RATE_LIMIT_BURST=100000 ./agora run
set -eu
cd "$(dirname "$0")/../.."
F=${BENCH_GATEWAY_URL:-http://localhost:8080}
STATE=${STATE:-state}
TOKEN=$(./agora cli login --key "$STATE/keys/developer.key" --url "$F")
# billing's credit control pauses a developer without escrow funds or without authorizing billing's delegate:
# deposit 1 ETH for the calls and let billing sign vouchers up to it
./agora cli deposit --key "$STATE/keys/developer.key" --amount-wei 1000000000000000000 --state "$STATE" > /dev/null
./agora cli authorize --key "$STATE/keys/developer.key" --delegate "$(./agora cli address --key "$STATE/keys/billing-delegate.key")" \
  --cap-wei 1000000000000000000 --state "$STATE" > /dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp functions/bench/handler.sh "$work/handler.sh"
tar -C "$work" -czf "$work/bench.tar.gz" handler.sh
if ! curl -sf "$F/api/v1/functions/bench" -H "Authorization: Bearer $TOKEN" > /dev/null; then
  curl -sf "$F/api/v1/functions" -H "Authorization: Bearer $TOKEN" \
    -F 'spec={"name":"bench","runtime":"shell","entrypoint":"handler.sh","memoryMiB":64,"cpuMillis":1000,"maxConcurrency":64};type=application/json' \
    -F "bundle=@$work/bench.tar.gz;type=application/gzip" > /dev/null
  curl -sf "$F/api/v1/functions/bench/deployments" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"replicas":1,"maxPrices":{"perVcpuSecond":"2000000","perGiBSecond":"200000","perInvocation":"2000000000","perGiBMonth":"1"}}' > /dev/null
fi
until curl -sf "$F/api/v1/functions/bench/deployments" -H "Authorization: Bearer $TOKEN" | jq -e '.[0].status == "ACTIVE"' > /dev/null; do
  sleep 1
done
BENCH_LEASE_ID=$(curl -sf "$F/api/v1/functions/bench/deployments" -H "Authorization: Bearer $TOKEN" | jq -r '.[0].placed[0].leaseId')
BENCH_BUNDLE_CID=$(curl -sf "$F/api/v1/functions/bench/versions" -H "Authorization: Bearer $TOKEN" | jq -r '.[-1].bundleCid')
BENCH_PROVIDER=$(curl -sf "$F/api/v1/functions/bench/deployments" -H "Authorization: Bearer $TOKEN" | jq -r '.[0].placed[0].provider')
BENCH_CONSUMER=$(curl -sf "$F/api/v1/functions/bench" -H "Authorization: Bearer $TOKEN" | jq -r '.owner')
BENCH_GATEWAY_KEY_FILE="$STATE/keys/gateway.key"
export BENCH_LEASE_ID BENCH_BUNDLE_CID BENCH_PROVIDER BENCH_CONSUMER BENCH_GATEWAY_KEY_FILE
exec functions/bench/gateway-bench.sh

# The marketplace by hand: sign in, register a provider, offer, bid, lease, close.
# Run it with the platform up (./agora run); every step also works pasted line by line.
set -euo pipefail
M=http://localhost:8081
PROVIDER_KEY=state/keys/provider.key      # made by ./agora run; any key file works (./agora cli keygen --out my.key)
DEV_KEY=state/keys/developer.key
PROVIDER=$(./agora cli address --key $PROVIDER_KEY)

# 1. Sign in with Ethereum by hand: the challenge (EIP-4361), its personal_sign signature, the token.
MSG=$(curl -sf $M/api/v1/auth/challenge -H 'Content-Type: application/json' -d "{\"address\":\"$PROVIDER\"}" | jq -r .message)
echo "$MSG"
SIG=$(printf '%s' "$MSG" | ./agora cli sign --key $PROVIDER_KEY)
PTOKEN=$(curl -sf $M/api/v1/auth/token -H 'Content-Type: application/json' \
  -d "$(jq -n --arg m "$MSG" --arg s "$SIG" '{message: $m, signature: $s}')" | jq -r .token)
# ... or all three steps in one:
DTOKEN=$(./agora cli login --key $DEV_KEY --url $M)

# 2. The provider registers and publishes its offer (capacity and asking prices in wei).
curl -sf -X POST $M/api/v1/providers -H "Authorization: Bearer $PTOKEN" -H 'Content-Type: application/json' \
  -d "{\"address\":\"$PROVIDER\",\"endpoint\":\"http://localhost:8090\",\"region\":\"eu-west\",\"attributes\":{\"runtime.runc\":\"true\"}}" | jq .
curl -sf -X PUT $M/api/v1/providers/$PROVIDER/offer -H "Authorization: Bearer $PTOKEN" -H 'Content-Type: application/json' \
  -d '{"capacity":{"cpuMillis":4000,"memoryMiB":8192,"storageGiB":100},
       "prices":{"perVcpuSecond":"20000000","perGiBSecond":"2000000","perInvocation":"1000","perGiBMonth":"100000000000"}}' | jq .
curl -sf $M/api/v1/offers | jq '.[] | {provider, region, free, prices, available}'

# 3. The developer bids. (An agent heartbeats every few seconds; by hand, send one first: a provider
#    silent for 30 s gets no new leases, and the bid would rest until it is heard from again.)
curl -sf -X POST $M/api/v1/providers/$PROVIDER/heartbeat -H "Authorization: Bearer $PTOKEN" -H 'Content-Type: application/json' -d '{}' > /dev/null
BID=$(curl -sf -X POST $M/api/v1/bids -H "Authorization: Bearer $DTOKEN" -H 'Content-Type: application/json' \
  -d '{"resources":{"cpuMillis":500,"memoryMiB":512,"storageGiB":0},"replicas":1,
       "maxPrices":{"perVcpuSecond":"30000000","perGiBSecond":"3000000","perInvocation":"2000","perGiBMonth":"200000000000"},
       "constraints":{"region":"eu-west"},"ttlSeconds":3600}')
echo "$BID" | jq '{id, status, matchedReplicas, leaseIds, unmatchedReasons}'
LEASE=$(echo "$BID" | jq -r '.leaseIds[0]')

# 4. The lease, at the provider's asking prices; the provider sees it too.
curl -sf $M/api/v1/leases/$LEASE -H "Authorization: Bearer $DTOKEN" | jq '{id, provider, state, resources, prices}'
curl -sf "$M/api/v1/leases?provider=$PROVIDER&active=true" -H "Authorization: Bearer $PTOKEN" | jq 'length'

# 5. A bid below every ask rests in the book and says why.
curl -sf -X POST $M/api/v1/bids -H "Authorization: Bearer $DTOKEN" -H 'Content-Type: application/json' \
  -d '{"resources":{"cpuMillis":500,"memoryMiB":512,"storageGiB":0},"replicas":1,
       "maxPrices":{"perVcpuSecond":"1","perGiBSecond":"1","perInvocation":"1","perGiBMonth":"1"}}' | jq '{status, unmatchedReasons}'

# 6. Either party closes the lease; its capacity returns to the market.
curl -sf -X POST $M/api/v1/leases/$LEASE/close -H "Authorization: Bearer $DTOKEN" -H 'Content-Type: application/json' \
  -d '{"reason":"done"}' | jq '{state, closedBy, closeReason}'
curl -sf $M/api/v1/providers/$PROVIDER | jq .free

# 7. Bad input gets an RFC 9457 problem and changes nothing.
curl -s -X POST $M/api/v1/bids -H "Authorization: Bearer $DTOKEN" -H 'Content-Type: application/json' \
  -d '{"resources":{"cpuMillis":-1,"memoryMiB":512,"storageGiB":0},"maxPrices":{"perVcpuSecond":"1","perGiBSecond":"1","perInvocation":"1","perGiBMonth":"1"}}' | jq .

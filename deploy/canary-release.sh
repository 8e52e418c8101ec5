#!/usr/bin/env bash
# Staged release of inference-run on Cloud Run: a tagged no-traffic revision, 10 % of traffic, the canary
# check against the SLOs (scripts/canary-check.ts), then promote to 100 % or roll back to the stable revision.
# The deploy workflow runs it per project (staging, then production); an operator can run it by hand:
#   deploy/canary-release.sh PROJECT REGION IMAGE
# Env: CANARY_PERCENT (10), CANARY_WAIT_SECONDS (600: the judged window), METRICS_DELAY_SECONDS (180: Cloud
# Run request metrics arrive up to 3 min late), CANARY_LOAD_CMD (optional command run in the background
# while the canary serves, e.g. staging's synthetic traffic), REVISION_SUFFIX (default: the short commit).
# Exit status: 0 promoted (or first deploy), 1 rolled back, other: an error before any traffic moved.
set -euo pipefail
project=${1:?project} region=${2:?region} image=${3:?image}
service=inference-run
percent=${CANARY_PERCENT:-10}
wait_s=${CANARY_WAIT_SECONDS:-600}
delay_s=${METRICS_DELAY_SECONDS:-180}
suffix=${REVISION_SUFFIX:-$(git rev-parse --short=7 HEAD)}
canary="${service}-${suffix}"
run=(gcloud run --project "$project" --region "$region")

if ! stable=$("${run[@]}" services describe "$service" --format='value(status.traffic[0].revisionName)' 2>/dev/null) ||
  [ -z "$stable" ]; then
  echo "canary-release: no $service in $project yet: first deploy takes all traffic (deploy/README.md step 7)" >&2
  "${run[@]}" deploy "$service" --image "$image" --revision-suffix "$suffix"
  exit 0
fi
echo "canary-release: stable $stable, canary $canary ($percent %)"
"${run[@]}" deploy "$service" --image "$image" --revision-suffix "$suffix" --no-traffic --tag canary
"${run[@]}" services update-traffic "$service" --to-revisions "$canary=$percent"

load_pid=
if [ -n "${CANARY_LOAD_CMD:-}" ]; then
  bash -c "$CANARY_LOAD_CMD" &
  load_pid=$!
fi
sleep $((wait_s + delay_s))
[ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true

if npm run --silent canary-check -- --project "$project" --service "$service" --canary "$canary" \
  --stable "$stable" --window-seconds "$wait_s"; then
  echo "canary-release: promoting $canary"
  "${run[@]}" services update-traffic "$service" --to-revisions "$canary=100"
  "${run[@]}" services update-traffic "$service" --remove-tags canary
else
  echo "canary-release: rolling back to $stable" >&2
  "${run[@]}" services update-traffic "$service" --to-revisions "$stable=100"
  "${run[@]}" services update-traffic "$service" --remove-tags canary
  exit 1
fi

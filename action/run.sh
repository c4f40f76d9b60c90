#!/bin/sh
# Runs one partner-center command for the action, with --output json copied
# into a JSON-lines report, then writes the action's outputs. Reads its
# inputs from the environment (action.yml sets them):
#
#   PC_BINARY         the partner-center to run (install.sh printed it)
#   PC_COMMAND        apply, plan, status, wait, promote, cancel, validate, export
#   PC_DEFINITIONS    files, directories or globs (whitespace-separated); for
#                     status, wait, promote and cancel also offer ids, each
#                     run in turn
#   PC_PUBLISH        apply --publish, and wait --for (preview or live)
#   PC_WAIT           apply/promote --wait, wait --timeout (90s, 6h, 2d)
#   PC_IF_IN_PROGRESS apply --if-in-progress (fail, wait, cancel)
#   PC_PARALLEL       plan/apply --parallel
#   PC_RETRY_BUDGET   --retry-budget
#   PC_ARGS           more arguments, whitespace-separated
#   PC_TENANT_ID, PC_CLIENT_ID, PC_PUBLISHER_ID  exported as AZURE_TENANT_ID,
#                     AZURE_CLIENT_ID, PARTNER_CENTER_PUBLISHER_ID when set
#   PC_REPORT         where to write the report (default: a new file in
#                     $RUNNER_TEMP or /tmp)
#   GITHUB_OUTPUT     where the outputs go (default: standard output)
#
# Outputs: exit-code, report, live, preview, failed, changed. The step
# fails when the exit code is 1 or 64; 2 (plan: changes pending) and 3
# (status: still in progress) are answers to branch on.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bin=${PC_BINARY:-partner-center}
command=${PC_COMMAND:-}
output=${GITHUB_OUTPUT:-/dev/stdout}

fail() { printf '::error title=partner-center action::%s\n' "$*"; exit 1; }

case "$command" in
    apply|plan|validate|export|status|wait|promote|cancel) ;;
    "") fail "the input \`command\` is missing; one of apply, plan, status, wait, promote, cancel, validate, export" ;;
    *) fail "unknown command \"$command\"; one of apply, plan, status, wait, promote, cancel, validate, export" ;;
esac
[ -n "${PC_TENANT_ID:-}" ] && export AZURE_TENANT_ID="$PC_TENANT_ID"
[ -n "${PC_CLIENT_ID:-}" ] && export AZURE_CLIENT_ID="$PC_CLIENT_ID"
[ -n "${PC_PUBLISHER_ID:-}" ] && export PARTNER_CENTER_PUBLISHER_ID="$PC_PUBLISHER_ID"

case "$command" in
    validate|export) ;;
    *)
        if [ -z "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ] && [ -z "${AZURE_CLIENT_SECRET:-}" ] \
            && [ -z "${AZURE_CLIENT_CERTIFICATE_PATH:-}" ] && [ -z "${AZURE_FEDERATED_TOKEN_FILE:-}" ] \
            && [ "${GITHUB_ACTIONS:-}" = true ]; then
            echo "::warning title=partner-center action::the job cannot ask GitHub for its OIDC token; give it \`permissions: id-token: write\` (and set tenant-id and client-id) for keyless sign-in"
        fi ;;
esac

report=${PC_REPORT:-}
if [ -z "$report" ]; then
    report=$(mktemp "${RUNNER_TEMP:-/tmp}/partner-center-report.XXXXXX")
fi
: > "$report"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# Global options, then the command's own.
set -- --output json
[ -n "${PC_RETRY_BUDGET:-}" ] && set -- "$@" --retry-budget "$PC_RETRY_BUDGET"
set -- "$@" "$command"
publish=${PC_PUBLISH:-}
wait_for=${PC_WAIT:-}
case "$command" in
    apply)
        [ -n "$publish" ] && set -- "$@" --publish "$publish"
        [ -n "$wait_for" ] && set -- "$@" --wait "$wait_for"
        [ -n "${PC_IF_IN_PROGRESS:-}" ] && set -- "$@" --if-in-progress "$PC_IF_IN_PROGRESS"
        [ -n "${PC_PARALLEL:-}" ] && set -- "$@" --parallel "$PC_PARALLEL" ;;
    plan)
        set -- "$@" --detailed-exitcode
        [ -n "${PC_PARALLEL:-}" ] && set -- "$@" --parallel "$PC_PARALLEL" ;;
    wait)
        set -- "$@" --for "${publish:-preview}"
        [ -n "$wait_for" ] && set -- "$@" --timeout "$wait_for" ;;
    promote)
        [ -n "$wait_for" ] && set -- "$@" --wait "$wait_for" ;;
    cancel)
        set -- "$@" --yes ;;
esac
# Unquoted on purpose: words are split and globs expanded.
# shellcheck disable=SC2086
set -- "$@" ${PC_ARGS:-}

# One run: its JSON lines into the report, its exit code into $work/rc.
run() {
    echo "+ $bin $*" >&2
    { set +e; "$bin" "$@"; echo $? > "$work/rc"; } | tee "$work/out"
    grep '^[[:space:]]*{' "$work/out" >> "$report" || true
}

# Worse codes win: 64, then 1, then 3, then 2, then 0.
rank() { case "$1" in 0) echo 0 ;; 2) echo 1 ;; 3) echo 2 ;; 1) echo 3 ;; *) echo 4 ;; esac; }

definitions=${PC_DEFINITIONS:-}
code=0
case "$command" in
    status|wait|promote|cancel)
        [ -n "$definitions" ] || fail "\`$command\` needs \`definitions\`: the offers' definition files or ids"
        for offer in $definitions; do
            run "$@" "$offer"
            this=$(cat "$work/rc")
            waited=false
            [ -n "$wait_for" ] && waited=true
            printf '{"event":"action-run","command":"%s","offer":"%s","target":"%s","waited":%s,"exit_code":%s}\n' \
                "$command" "$(printf '%s' "$offer" | sed 's/["\\]/\\&/g')" "${publish:-preview}" "$waited" "$this" >> "$report"
            if [ "$(rank "$this")" -gt "$(rank "$code")" ]; then code=$this; fi
        done ;;
    *)
        # shellcheck disable=SC2086
        set -- "$@" $definitions
        run "$@"
        code=$(cat "$work/rc")
        printf '{"event":"action-run","command":"%s","exit_code":%s}\n' "$command" "$code" >> "$report" ;;
esac

{
    echo "exit-code=$code"
    echo "report=$report"
    awk -f "$here/outputs.awk" "$report"
} >> "$output"

case "$code" in
    0|2|3) exit 0 ;;
    *) exit "$code" ;;
esac

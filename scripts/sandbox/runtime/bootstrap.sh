#!/bin/bash
# Emulated /var/runtime/bootstrap of the managed nodejs20.x / 22.x / 24.x runtimes (see
# shared/docs/lambda-platform.md §5.1). The sandbox cannot mount /opt or /var/runtime, so:
#   SANDBOX_OPT_DIR     the layer dir that plays /opt (default /opt)
#   LAMBDA_RUNTIME_DIR  plays /var/runtime (default: this script's directory)
#   LAMBDA_TASK_ROOT    plays /var/task
# `node` is the first node on PATH (the emulator puts the selected binary's directory first, like /var/lang/bin).
# SANDBOX_RUNTIME=ric runs AWS's aws-lambda-ric instead of our index (SANDBOX_RIC_DIR = its package directory).

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
opt_dir="${SANDBOX_OPT_DIR:-/opt}"
runtime_dir="${LAMBDA_RUNTIME_DIR:-$script_dir}"
task_root="${LAMBDA_TASK_ROOT:-/var/task}"

node_bin="$(command -v node)"
if [ -z "$node_bin" ]; then
  echo "bootstrap: node not found on PATH"
  exit 127
fi
node_version="$("$node_bin" -v)"
node_major="${node_version#v}"
node_major="${node_major%%.*}"

if [ -z "$NODE_PATH" ]; then
  export NODE_PATH="$opt_dir/nodejs/node$node_major/node_modules:$opt_dir/nodejs/node_modules:$runtime_dir/node_modules:$runtime_dir:$task_root"
fi

# Heap sizing from the configured memory. nodejs24.x leaves a flag out when NODE_OPTIONS already sets it
# (command-line flags would override NODE_OPTIONS).
MEMORY_ARGS=()
if [ -n "$AWS_LAMBDA_FUNCTION_MEMORY_SIZE" ]; then
  new_space=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE / 10))
  semi_space=$((new_space / 2))
  old_space=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE - new_space))
  if [ "$node_major" -lt 24 ] || [[ "$NODE_OPTIONS" != *--max-semi-space-size* ]]; then
    MEMORY_ARGS+=("--max-semi-space-size=$semi_space")
  fi
  if [ "$node_major" -lt 24 ] || [[ "$NODE_OPTIONS" != *--max-old-space-size* ]]; then
    MEMORY_ARGS+=("--max-old-space-size=$old_space")
  fi
fi

if [ -z "${NODE_EXTRA_CA_CERTS+set}" ] && [ -f "$runtime_dir/ca-cert.pem" ]; then
  export NODE_EXTRA_CA_CERTS="$runtime_dir/ca-cert.pem"
fi

export AWS_EXECUTION_ENV="AWS_Lambda_nodejs$node_major.x"

# Lambda disables experimental module features; the positive flag in NODE_OPTIONS drops the disabling one.
EXPERIMENTAL_ARGS=()
if [ "$node_major" -eq 20 ] || [ "$node_major" -eq 22 ]; then
  if [[ "$NODE_OPTIONS" != *--experimental-require-module* ]]; then
    EXPERIMENTAL_ARGS+=(--no-experimental-require-module)
  fi
fi
if [ "$node_major" -eq 22 ]; then
  if [[ "$NODE_OPTIONS" != *--experimental-detect-module* ]]; then
    EXPERIMENTAL_ARGS+=(--no-experimental-detect-module)
  fi
fi

if [ "$SANDBOX_RUNTIME" = "ric" ]; then
  ric_dir="${SANDBOX_RIC_DIR:-$script_dir/../../../test/ric/node_modules/aws-lambda-ric}"
  ENTRY_ARGS=("$ric_dir/index.mjs" "$_HANDLER")
else
  ENTRY_ARGS=("$script_dir/bootstrap.mjs")
fi

NODE_ARGS=(
  --expose-gc
  --max-http-header-size 81920
  "${EXPERIMENTAL_ARGS[@]}"
  "${MEMORY_ARGS[@]}"
  "${ENTRY_ARGS[@]}"
)

if [ -z "$AWS_LAMBDA_EXEC_WRAPPER" ]; then
  exec "$node_bin" "${NODE_ARGS[@]}"
fi
wrapper="$AWS_LAMBDA_EXEC_WRAPPER"
if [ ! -f "$wrapper" ]; then
  echo "$wrapper: does not exist"
  exit 127
fi
if [ ! -x "$wrapper" ]; then
  echo "$wrapper: is not an executable"
  exit 126
fi
exec -- "$wrapper" "$node_bin" "${NODE_ARGS[@]}"

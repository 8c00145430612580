#!/usr/bin/env bash
# What several scripts share: sourced, never run. Each function reports through the caller's own
# messages, so that a failure names the script it happened in.

# cli_product_version CLI: prints the CLI's first version line, such as "Terraform v1.16.4" or
# "OpenTofu v1.12.6", or nothing. A TF_CLI_CONFIG_FILE that names a missing file makes the CLI warn
# (OpenTofu on stdout): it is left out.
cli_product_version() {
	env -u TF_CLI_CONFIG_FILE "$1" version 2>/dev/null | awk '/^(Terraform|OpenTofu) v/ && !f { print; f = 1 }'
}

# registry_host VERSION_LINE: the registry host of the CLI's provider source addresses.
registry_host() {
	case "$1" in
	OpenTofu*) echo registry.opentofu.org ;;
	Terraform*) echo registry.terraform.io ;;
	*) return 1 ;;
	esac
}

# sed_in_place SCRIPT FILE...: runs sed SCRIPT on each FILE and writes the result back, as GNU sed -i
# does (BSD sed, as on macOS, spells -i differently): through a temporary file beside FILE.
sed_in_place() {
	local script=$1 f
	shift
	for f in "$@"; do
		if ! sed "$script" "$f" >"$f.sed-in-place"; then
			rm -f "$f.sed-in-place"
			return 1
		fi
		mv -f "$f.sed-in-place" "$f"
	done
}

# use_dev_overrides FILE HOST DIR: writes a CLI configuration to FILE that takes the provider
# HOST/circularo/circularo from the binary in DIR (no terraform init), and exports TF_CLI_CONFIG_FILE.
use_dev_overrides() {
	cat >"$1" <<EOT
provider_installation {
  dev_overrides {
    "$2/circularo/circularo" = "$3"
  }
  direct {}
}
EOT
	export TF_CLI_CONFIG_FILE=$1
}

# start_mock DIR [FLAGS...]: DIR an absolute path; builds the mock Circularo server into DIR, starts it on a free loopback
# port with FLAGS, and sets mock_pid and mock_url. The caller's cleanup kills mock_pid. The server's
# output goes to DIR/mock.log, which the error shows when it does not start.
start_mock() {
	local dir=$1
	shift
	go -C "$(dirname "${BASH_SOURCE[0]}")/.." build -o "$dir/circularo-mock" ./internal/mockserver/cmd/circularo-mock || return 1
	# Emptied here, not only by the background job's redirection, which runs after this shell has gone
	# on: a log left by an earlier server in DIR (examples-run starts one per unit) would otherwise
	# hand out that server's URL, and its port refuses connections.
	: >"$dir/mock.log"
	"$dir/circularo-mock" -listen 127.0.0.1:0 "$@" >"$dir/mock.log" 2>&1 &
	mock_pid=$!
	mock_url=
	for _ in $(seq 1 100); do
		mock_url=$(sed -n 's|^circularo-mock listening on \(http://127\.0\.0\.1:[0-9][0-9]*\).*|\1|p' "$dir/mock.log" | awk '!f { print; f = 1 }')
		if [ -n "$mock_url" ]; then return 0; fi
		kill -0 "$mock_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "the mock Circularo server did not start:" >&2
	cat "$dir/mock.log" >&2
	return 1
}

# stop_mock: stops the server that start_mock started, if any.
stop_mock() {
	if [ -n "${mock_pid:-}" ]; then
		kill "$mock_pid" 2>/dev/null || true
		wait "$mock_pid" 2>/dev/null || true
	fi
}

# Revoke an API key whose value has leaked (into a log, a ticket, a public repository), by its value,
# and nothing else, with the circularo_revoke_api_keys action (Terraform 1.14 and later). The value stays out of every file Terraform writes:
# it is read from a file outside this configuration, and only its fingerprint
# (provider::circularo::fingerprint) enters the plan, the state, the API calls and the logs.
#
#   (umask 077; cat > /secure/leaked-key.txt)       paste the value, then Ctrl-D
#   export TF_VAR_leaked_key_file=/secure/leaked-key.txt
#   terraform plan                                   output leaked_key: its description, created and
#                                                    last_used, before it goes (what used it, when)
#   terraform plan  -invoke=action.circularo_revoke_api_keys.leaked
#                                                    the review: fails if the value is not a key of
#                                                    this account, or is the provider's own token
#   terraform apply -invoke=action.circularo_revoke_api_keys.leaked
#                                                    revokes it, once Circularo no longer lists it
#   terraform plan                                   check "leaked_key_is_revoked" passes
#   shred -u /secure/leaked-key.txt
#
# Credentials come from CIRCULARO_URL, CIRCULARO_USERNAME and CIRCULARO_PASSWORD (or CIRCULARO_TOKEN:
# another key than the leaked one).

terraform {
  required_version = ">= 1.14" # actions
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}

provider "circularo" {}

variable "leaked_key_file" {
  description = "A file that holds the leaked key's value (white space around it is trimmed). Keep it out of this directory."
  type        = string
}

locals {
  leaked_fingerprint = provider::circularo::fingerprint(trimspace(file(var.leaked_key_file)))
}

data "circularo_api_keys" "all" {}

action "circularo_revoke_api_keys" "leaked" {
  config {
    fingerprints     = [local.leaked_fingerprint]
    require_existing = true # a value that is no key of this account fails the plan
  }
}

# What Circularo knows about the key: last_used says when it was last used (null: never).
output "leaked_key" {
  value = one([for k in data.circularo_api_keys.all.api_keys : k if k.fingerprint == local.leaked_fingerprint])
}

check "leaked_key_is_revoked" {
  assert {
    condition     = !contains(data.circularo_api_keys.all.fingerprints, local.leaked_fingerprint)
    error_message = "The leaked key ${local.leaked_fingerprint} is still valid: revoke it with terraform apply -invoke=action.circularo_revoke_api_keys.leaked."
  }
}

# The value of a key that leaked, from a sensitive variable (TF_VAR_leaked_key), never a literal.
variable "leaked_key" {
  type      = string
  sensitive = true
}

locals {
  # A fingerprint reveals nothing usable about the value: nonsensitive() is safe.
  leaked_fingerprint = nonsensitive(provider::circularo::fingerprint(var.leaked_key))
}

data "circularo_api_keys" "all" {}

# Is the leaked key one of this account's keys?
check "leaked_key_is_gone" {
  assert {
    condition     = !contains(data.circularo_api_keys.all.fingerprints, local.leaked_fingerprint)
    error_message = "The leaked key ${local.leaked_fingerprint} is still valid: revoke it."
  }
}

output "leaked_fingerprint" {
  value = local.leaked_fingerprint
}

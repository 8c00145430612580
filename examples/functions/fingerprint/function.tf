# The value of a key that leaked, read from a file outside the configuration: only its fingerprint
# enters the plan. (A variable would do too, but Terraform writes every variable that is not
# ephemeral into a saved plan.)
variable "leaked_key_file" {
  type = string
}

locals {
  leaked_fingerprint = provider::circularo::fingerprint(trimspace(file(var.leaked_key_file)))
}

data "circularo_api_keys" "all" {}

# Is the leaked key still one of this account's keys?
check "leaked_key_is_gone" {
  assert {
    condition     = !contains(data.circularo_api_keys.all.fingerprints, local.leaked_fingerprint)
    error_message = "The leaked key ${local.leaked_fingerprint} is still valid: revoke it."
  }
}

output "leaked_fingerprint" {
  value = local.leaked_fingerprint
}

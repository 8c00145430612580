# The demo configuration that `make demo` runs against the mock Circularo server.
# It is the manual "Managing and deleting API tokens" workflow, declared:
#   1. list the keys and find the stale ones (data source),
#   2. create the key a new integration needs (resource),
#   3. adopt the stale keys (import blocks), then revoke them after review
#      (set revoke_stale = true: the plan lists exactly what is revoked).
# Credentials come from CIRCULARO_URL, CIRCULARO_USERNAME and CIRCULARO_PASSWORD.

terraform {
  required_version = ">= 1.11" # the provider's minimum (import blocks with for_each need 1.7)
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}

provider "circularo" {}

variable "revoke_stale" {
  description = "Revoke the stale keys that the first apply adopted."
  type        = bool
  default     = false
}

# Read after the keys below are created or revoked, so that the all_keys output of an apply shows the
# keys as they are once it is done, not as they were before it.
data "circularo_api_keys" "all" {
  depends_on = [circularo_api_key.integration, circularo_api_key.stale]
}

data "circularo_api_keys" "stale" {
  unused_for = "90d"
  older_than = "90d"
}

locals {
  stale = { for k in data.circularo_api_keys.stale.api_keys : k.fingerprint => k }
}

resource "circularo_api_key" "integration" {
  description = "demo-integration"
}

# Adopt each stale key so that Terraform owns it; nothing is created.
import {
  for_each = var.revoke_stale ? {} : local.stale
  to       = circularo_api_key.stale[each.key]
  id       = each.key
}

# Dropping the adopted keys from the configuration plans their revocation.
resource "circularo_api_key" "stale" {
  for_each    = var.revoke_stale ? {} : local.stale
  description = each.value.description
  store_token = false # a key kept only to be revoked needs no value in the state
}

output "all_keys" {
  description = "Every key of the demo user after the apply: description, created and last use."
  value = [
    for k in data.circularo_api_keys.all.api_keys :
    format("%-18s %s  created %s  last used %s", k.description, k.fingerprint, k.created, coalesce(k.last_used, "never"))
  ]
}

output "stale_keys" {
  description = "Keys nobody used for 90 days: the candidates for revocation, adopted by the first apply (none once they are revoked)."
  value       = var.revoke_stale ? null : [for k in data.circularo_api_keys.stale.api_keys : "${k.description} (${k.fingerprint})"]
}

output "integration_key_fingerprint" {
  description = "The new key's fingerprint; its value is in the sensitive token attribute."
  value       = circularo_api_key.integration.id
}

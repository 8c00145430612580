# Audit and revoke stale API keys, with a review before anything is revoked. Keep this configuration
# in a directory (and state) of its own:
#
#   1. terraform apply            adopts every stale key (import blocks) and creates none; the state
#                                 holds no key's value (store_token = false);
#   2. terraform plan -destroy    lists exactly the adopted keys, each with description, created and
#                                 last used: review it. To keep a key, take it out of the state
#                                 (terraform state rm 'circularo_api_key.stale["sha256:..."]') and add
#                                 its fingerprint to var.keep, so that no later audit adopts it again;
#   3. terraform apply -destroy   revokes them. The state is empty again, and so is the next plan
#                                 until more keys turn stale.
#
# Credentials come from CIRCULARO_URL, CIRCULARO_USERNAME and CIRCULARO_PASSWORD.

terraform {
  required_version = ">= 1.11" # the provider's minimum (import blocks with for_each need 1.7)
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}

variable "unused_for" {
  description = "A key is stale when it is at least this old and nobody used it for this long."
  type        = string
  default     = "90d"
}

variable "keep" {
  description = "Fingerprints of stale keys to keep: never adopted, never revoked (in terraform.tfvars)."
  type        = set(string)
  default     = []
}

provider "circularo" {
  # Any plan that revokes a key used within unused_for warns and names it: such a key was used
  # since it was adopted, so it is no longer stale.
  revocation_warning_window = var.unused_for
}

data "circularo_api_keys" "stale" {
  unused_for = var.unused_for
  older_than = var.unused_for # a new key nobody has used yet is not stale
}

locals {
  stale = setsubtract(toset(data.circularo_api_keys.stale.fingerprints), var.keep)
  # The adopted resources must repeat each key's own description: any other would plan a
  # replacement instead of an adoption.
  stale_descriptions = { for k in data.circularo_api_keys.stale.api_keys : k.fingerprint => k.description }
}

import {
  for_each = local.stale
  to       = circularo_api_key.stale[each.key]
  id       = each.key
}

resource "circularo_api_key" "stale" {
  for_each    = local.stale
  description = local.stale_descriptions[each.key]
  # A key adopted only to be revoked needs no value in the state: none is ever stored.
  store_token = false
}

output "stale_keys" {
  description = "The stale keys by fingerprint, kept ones left out: what terraform plan -destroy revokes once they are adopted."
  value = {
    for k in data.circularo_api_keys.stale.api_keys :
    k.fingerprint => "${k.description} (created ${k.created}, last used ${coalesce(k.last_used, "never")})"
    if contains(local.stale, k.fingerprint)
  }
}

# A module that adopts existing API keys with `import` blocks of its own (Terraform 1.16 and later:
# earlier versions accept `import` blocks in the root module only). The keys are named by
# fingerprint, never by token value, and the apply creates and revokes nothing. Each description
# must be the key's own, or the plan replaces the key instead of adopting it.

terraform {
  required_version = ">= 1.16" # import blocks inside modules
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}

variable "keys" {
  description = "The keys to adopt: fingerprint => description, as the circularo_api_keys data source lists them."
  type        = map(string)
}

variable "import_by" {
  description = "How the import blocks name each key: \"identity\" (identity = { fingerprint }, Terraform 1.12+ in the root module) or \"id\" (the fingerprint as import ID)."
  type        = string
  default     = "identity"
  validation {
    condition     = contains(["identity", "id"], var.import_by)
    error_message = "import_by is \"identity\" or \"id\"."
  }
}

import {
  for_each = var.import_by == "identity" ? var.keys : {}
  to       = circularo_api_key.adopted[each.key]
  identity = {
    fingerprint = each.key
  }
}

import {
  for_each = var.import_by == "id" ? var.keys : {}
  to       = circularo_api_key.adopted[each.key]
  id       = each.key
}

resource "circularo_api_key" "adopted" {
  for_each    = var.keys
  description = each.value
  store_token = false # adopted keys keep no value in the state (an import never stores one)
}

output "fingerprints" {
  description = "The adopted keys' fingerprints."
  value       = [for k in circularo_api_key.adopted : k.id]
}

# Adopt an existing key by its identity: the fingerprint that the circularo_api_keys data source and
# `terraform query` show (Terraform 1.12 and later). No secret in the configuration, and the apply
# creates and revokes nothing. The description must be the key's own, or the plan replaces the key.
import {
  to = circularo_api_key.old_zapier
  identity = {
    fingerprint = "sha256:246b2ab95b93dfde"
  }
}

resource "circularo_api_key" "old_zapier" {
  description = "old-zapier"
}

# Adopt an existing key by its identity (Terraform 1.12 and later); the identity is the fingerprint
# that the circularo_api_keys data source and `terraform query` show. No secret in the configuration, and the apply
# creates and revokes nothing. The description must be the key's own, or the plan replaces the key.
# store_token = false keeps the key's value out of the state: a key adopted to be reviewed and revoked
# needs none (an import never stores it; with true, the apply reads it into the state).
import {
  to = circularo_api_key.old_zapier
  identity = {
    fingerprint = "sha256:246b2ab95b93dfde"
  }
}

resource "circularo_api_key" "old_zapier" {
  description = "old-zapier"
  store_token = false
}

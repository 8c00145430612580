# Adopt an existing key by its fingerprint, as the circularo_api_keys data source lists it: no secret
# in the configuration, and the apply creates no key. The description must be the key's own, or the
# plan replaces the key instead of adopting it. store_token = false keeps the key's value out of the
# state: a key adopted to be reviewed and revoked needs none.
import {
  to = circularo_api_key.legacy_reporting
  id = "sha256:718518ad8d06ff47"
}

resource "circularo_api_key" "legacy_reporting" {
  description = "legacy-reporting"
  store_token = false
}

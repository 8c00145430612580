# Adopt an existing key by its fingerprint, as the circularo_api_keys data source lists it: no secret
# in the configuration, and the apply creates no key. The description must be the key's own, or the
# plan replaces the key instead of adopting it.
import {
  to = circularo_api_key.legacy_reporting
  id = "sha256:718518ad8d06ff47"
}

resource "circularo_api_key" "legacy_reporting" {
  description = "legacy-reporting"
}

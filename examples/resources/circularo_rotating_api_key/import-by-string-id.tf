# Adopt an existing key as the current key, by its fingerprint as the circularo_api_keys data source
# lists it: no secret in the configuration, and the apply creates and revokes nothing unless the key
# is already older than rotate_after (then that plan rotates it, with the overlap). The description
# must be the key's own, or the plan rotates it. store_token = false keeps the value out of the state.
import {
  to = circularo_rotating_api_key.legacy_feed
  id = "sha256:97e1df5e0b4be958"
}

resource "circularo_rotating_api_key" "legacy_feed" {
  description  = "legacy-feed"
  rotate_after = "90d"
  overlap      = "7d"
  store_token  = false
}

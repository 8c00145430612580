# The keys nobody used for 90 days.
data "circularo_api_keys" "stale" {
  unused_for = "90d"
}

action "circularo_revoke_api_keys" "stale" {
  config {
    fingerprints = data.circularo_api_keys.stale.fingerprints
  }
}

# Review: lists the keys, warns for recent use and unknown fingerprints, revokes nothing.
#   terraform plan -invoke=action.circularo_revoke_api_keys.stale
# Revoke them (nothing is put into the state):
#   terraform apply -invoke=action.circularo_revoke_api_keys.stale

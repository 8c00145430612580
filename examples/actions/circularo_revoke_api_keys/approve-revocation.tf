# With the provider's revocation_review = "error", the review of this action
# fails for a listed key that was used within revocation_warning_window (or
# made within it and never used), unless approve_revocation_of names it.
# Write approvals as literals: each names one key, for a reviewer to read.
action "circularo_revoke_api_keys" "decommissioned" {
  config {
    fingerprints = ["sha256:0123456789abcdef", "sha256:fedcba9876543210"]
    approve_revocation_of = [
      "sha256:fedcba9876543210", # the old exporter: its last use was its final run
    ]
  }
}

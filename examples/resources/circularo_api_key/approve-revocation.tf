# The provider's revocation_review = "error" stops a plan that revokes a key
# used within revocation_warning_window (or made within it and never used).
# To revoke this one key anyway, name its fingerprint (its id): the approval
# shows in the configuration and in the plan, and approves no other key.
#
# A replacement or rotation reads the approval from this block in the same
# plan. A destroy or a removed block has no configuration for the resource:
# apply the approval first (an in-place update), then destroy or remove.
resource "circularo_api_key" "legacy_export" {
  description           = "legacy-export"
  store_token           = false
  approve_revocation_of = "sha256:0123456789abcdef"
}

# A key for consumers that pick up a new key at their own pace. Every 90 days a plan rotates it in
# place: the new key becomes `token`, and the key it replaces stays valid for 7 more days as the
# previous key, which the first plan after those 7 days revokes.
resource "circularo_rotating_api_key" "partner_feed" {
  description  = "partner-feed"
  rotate_after = "90d"
  overlap      = "7d"
}

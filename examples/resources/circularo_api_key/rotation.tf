# Rotated by age, with no gap: the first plan after the key turns 90 days old replaces it, and
# create_before_destroy creates the new key before the old one is revoked.
resource "circularo_api_key" "deploy" {
  description  = "deploy-bot"
  rotate_after = "90d"

  lifecycle {
    create_before_destroy = true
  }
}

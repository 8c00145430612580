terraform {
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}

# Log in with a username and password. Prefer the CIRCULARO_PASSWORD
# environment variable to a literal password in the configuration.
provider "circularo" {
  url      = "https://example.circularo.com"
  username = "platform-bot@example.com"
}

# Import a key as the current key by its fingerprint (see the circularo_api_keys data source). The
# key's token value is accepted too, but would end up in your shell history. The resource has no
# resource identity (its key changes at every rotation), so import blocks take `id`, not `identity`.
# An import never stores the key's value: the state records store_token = false.
terraform import circularo_rotating_api_key.legacy_feed sha256:97e1df5e0b4be958

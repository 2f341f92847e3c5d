"""What every workflow shares: base messages, activity payloads, ids and names, command bookkeeping, the
deadline watch and the read-model publisher."""

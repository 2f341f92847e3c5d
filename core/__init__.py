"""What every process shares: settings, the Temporal connection (converter, codec), logging."""

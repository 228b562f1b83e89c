"""Running the app: its health for load balancers, backups and restores, database roles."""

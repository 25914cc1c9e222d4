"""The Discord front end: the client with its cog and buttons (client.py), its renderer and the feedback log."""

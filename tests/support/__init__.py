"""Support code every tier imports: the Bot API emulator, the chat drivers, fixtures' builders."""

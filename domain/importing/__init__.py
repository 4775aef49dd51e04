"""Other apps' exports read into Primer's chats: pure functions from the parsed JSON of one
conversation to a WholeChat, with ids made from the source's so a second import adds
nothing."""

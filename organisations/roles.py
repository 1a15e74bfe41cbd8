"""Foundation roles are Django groups. Organisation roles live on Membership."""
SECRETARIAT = "secretariat"
BOARD = "board"
OBJECTION_COMMITTEE = "objection_committee"
AUDITORS = "auditors"

FOUNDATION_GROUPS = (SECRETARIAT, BOARD, OBJECTION_COMMITTEE, AUDITORS)

"""Sites, their field visits and the mining titles (concessions) around them."""

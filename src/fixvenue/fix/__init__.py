"""The FIX edge: the QuickFIX acceptor, FIX ⇄ domain translation, session registry."""

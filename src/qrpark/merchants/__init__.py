"""Merchant validation: shops cover their customers' parking by pledge, settled at exit within
their rules and budgets, and billed monthly."""

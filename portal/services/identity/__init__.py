"""Who is acting: staff and contact accounts, passwords, two-factor sign-in, signed
links, roles and permissions, view-as."""

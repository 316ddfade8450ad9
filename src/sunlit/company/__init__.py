"""The company's own work across its communities (物业公司): its staff records, onboarding a
community, and the company view over all of them."""

"""Shared test machinery: clients, DDL, endpoints, servers, sessions and browsers for every area."""

"""Password hashes made by implementations other than the server's, for the import tests:
Python's `bcrypt` package and the standard library's `hashlib` (PBKDF2 in Django's format,
as `django.contrib.auth.hashers.PBKDF2PasswordHasher` writes it).

Usage: import_hashes.py PASSWORD; prints one JSON object of hashes of PASSWORD.
"""

import base64
import hashlib
import json
import secrets
import sys

import bcrypt

password = sys.argv[1].encode("utf-8")


def django_pbkdf2(iterations):
    salt = secrets.token_urlsafe(16)
    key = hashlib.pbkdf2_hmac("sha256", password, salt.encode("ascii"), iterations)
    return "pbkdf2_sha256$%d$%s$%s" % (iterations, salt, base64.b64encode(key).decode("ascii"))


print(
    json.dumps(
        {
            "bcrypt_2b": bcrypt.hashpw(password, bcrypt.gensalt(rounds=10)).decode("ascii"),
            "bcrypt_2a": bcrypt.hashpw(password, bcrypt.gensalt(rounds=10, prefix=b"2a")).decode("ascii"),
            # PHP's password_hash() writes $2y$: the same algorithm as $2b$ under its own name.
            "bcrypt_2y": "$2y$" + bcrypt.hashpw(password, bcrypt.gensalt(rounds=10)).decode("ascii")[4:],
            "django": django_pbkdf2(120000),
        }
    )
)

/* Operator keys over the core's minisign module. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "minisign.h"

char *keys_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
	fclose(f);
	if (!buf || n > max) {
		free(buf);
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		return NULL;
	}
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

static int write_exclusive(const char *path, const char *text, mode_t mode, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t n = strlen(text);
	int ok = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
	close(fd);
	if (!ok)
		snprintf(err, errlen, "%s: write failed", path);
	return ok ? 0 : -1;
}

int keys_generate(const char *sec_path, const char *pub_path, char *err, size_t errlen)
{
	return keys_generate_with(sec_path, pub_path, NULL, err, errlen);
}

int keys_generate_with(const char *sec_path, const char *pub_path, const char *passphrase,
		       char *err, size_t errlen)
{
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to start");
		return -1;
	}
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
	minisign_keygen(&pub, &sec);
	char *sk = minisign_seckey_format_password(&sec, passphrase);
	char *pk = minisign_pubkey_format(&pub);
	minisign_seckey_wipe(&sec);
	int rc = sk && pk ? write_exclusive(sec_path, sk, 0600, err, errlen) : -1;
	if (rc == 0 && write_exclusive(pub_path, pk, 0644, err, errlen)) {
		unlink(sec_path); /* half a key pair is no key pair */
		rc = -1;
	}
	if (sk) {
		sodium_memzero(sk, strlen(sk));
		free(sk);
	}
	free(pk);
	return rc;
}

static int load_secret(const char *path, const char *passphrase, struct minisign_seckey *sec,
		       char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) == 0 && (st.st_mode & 077)) {
		snprintf(err, errlen, "%s is readable by others (chmod 600 it)", path);
		return -1;
	}
	char *text = keys_read_file(path, 4096, NULL, err, errlen);
	if (!text)
		return -1;
	struct kx_error e = {0};
	int rc = minisign_seckey_parse_password(text, passphrase, sec, &e);
	sodium_memzero(text, strlen(text));
	free(text);
	if (rc)
		snprintf(err, errlen, "%s: %s", path, e.message);
	return rc;
}

int keys_encrypted(const char *sec_path)
{
	char err[256];
	char *text = keys_read_file(sec_path, 4096, NULL, err, sizeof err);
	int enc = text && minisign_seckey_encrypted(text);
	if (text) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	return enc;
}

char *keys_read_passphrase(const char *file, const char *prompt, char *err, size_t errlen)
{
	char buf[512] = "";
	if (file) {
		FILE *f = fopen(file, "re");
		if (!f || !fgets(buf, sizeof buf, f)) {
			snprintf(err, errlen, "%s: cannot read a passphrase", file);
			if (f)
				fclose(f);
			return NULL;
		}
		fclose(f);
	} else {
		/* The terminal, not stdin: scripts must say where the passphrase is. */
		FILE *tty = fopen("/dev/tty", "r+e");
		struct termios old, quiet;
		if (!tty || tcgetattr(fileno(tty), &old) != 0) {
			snprintf(err, errlen, "the key is passphrase-protected: give --passphrase-file");
			if (tty)
				fclose(tty);
			return NULL;
		}
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		fputs(prompt, tty);
		fflush(tty);
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
		char *got = fgets(buf, sizeof buf, tty);
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fputs("\n", tty);
		fclose(tty);
		if (!got) {
			snprintf(err, errlen, "no passphrase read");
			return NULL;
		}
	}
	buf[strcspn(buf, "\r\n")] = 0;
	char *p = strdup(buf);
	sodium_memzero(buf, sizeof buf);
	return p;
}

char *keys_sign(const char *sec_path, const void *msg, size_t len, const char *trusted_comment,
		char *err, size_t errlen)
{
	return keys_sign_with(sec_path, NULL, msg, len, trusted_comment, err, errlen);
}

char *keys_sign_with(const char *sec_path, const char *passphrase, const void *msg, size_t len,
		     const char *trusted_comment, char *err, size_t errlen)
{
	struct minisign_seckey sec;
	if (sodium_init() < 0 || load_secret(sec_path, passphrase, &sec, err, errlen))
		return NULL;
	char *sig = minisign_sign(&sec, msg, len, trusted_comment);
	minisign_seckey_wipe(&sec);
	if (!sig)
		snprintf(err, errlen, "signing failed");
	return sig;
}

static int load_public(const char *path, struct minisign_pubkey *pub, char *err, size_t errlen)
{
	char *text = keys_read_file(path, 4096, NULL, err, errlen);
	if (!text)
		return -1;
	struct kx_error e = {0};
	int rc = minisign_pubkey_parse(text, pub, &e);
	if (rc) { /* a secret key file holds its public half too */
		struct minisign_seckey sec;
		rc = minisign_seckey_parse_password(text, NULL, &sec, &e);
		if (rc == 0) {
			memcpy(pub->key_id, sec.key_id, MINISIGN_KEYID_LEN);
			memcpy(pub->pk, sec.sk + 32, 32);
			minisign_seckey_wipe(&sec);
		}
	}
	sodium_memzero(text, strlen(text));
	free(text);
	if (rc)
		snprintf(err, errlen, "%s: not a minisign key", path);
	return rc;
}

char *keys_public_line(const char *path, char *err, size_t errlen)
{
	struct minisign_pubkey pub;
	return load_public(path, &pub, err, errlen) ? NULL : minisign_pubkey_base64(&pub);
}

void keys_pub_path(const char *sec_path, char *out, size_t len)
{
	size_t n = strlen(sec_path);
	if (n > 4 && !strcmp(sec_path + n - 4, ".key"))
		snprintf(out, len, "%.*s.pub", (int)(n - 4), sec_path);
	else
		snprintf(out, len, "%s.pub", sec_path);
}

int keys_id(const char *path, char out[17], char *err, size_t errlen)
{
	struct minisign_pubkey pub;
	if (load_public(path, &pub, err, errlen))
		return -1;
	minisign_key_id_hex(pub.key_id, out);
	return 0;
}

char *keys_sign_asking(const char *sec_path, const char *passphrase_file, const void *msg,
		       size_t len, char *err, size_t errlen)
{
	char *pass = NULL;
	if (keys_encrypted(sec_path)) {
		char prompt[600];
		snprintf(prompt, sizeof prompt, "passphrase for %s: ", sec_path);
		if (!(pass = keys_read_passphrase(passphrase_file, prompt, err, errlen)))
			return NULL;
	}
	char *sig = keys_sign_with(sec_path, pass, msg, len, NULL, err, errlen);
	if (pass) {
		sodium_memzero(pass, strlen(pass));
		free(pass);
	}
	return sig;
}

/* davxml.c -- WebDAV multistatus with libxml2 (davxml.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "repo/davxml.h"

#define ANSWER_MAX (16u << 20)
#define RESP_MAX 100000 /* responses in one answer */
#define PROPS_MAX 64	/* properties per response kept */

struct guard {
	int dtd;
};

/* A DOCTYPE: stop before its declarations are read, so no entity is ever
 * declared, loaded or expanded (a billion-laughs answer, an external
 * entity pointing at a local file or URL). */
static void
refuse_dtd(
    void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
	xmlParserCtxtPtr c = ctx;

	(void)name;
	(void)eid;
	(void)sid;
	((struct guard *)c->_private)->dtd = 1;
	xmlStopParser(c);
}

static void
refuse_entity(void *ctx, const xmlChar *name, int type, const xmlChar *pid,
    const xmlChar *sid, xmlChar *content)
{
	xmlParserCtxtPtr c = ctx;

	(void)name;
	(void)type;
	(void)pid;
	(void)sid;
	(void)content;
	((struct guard *)c->_private)->dtd = 1;
	xmlStopParser(c);
}

static enum dav_ns
ns_of(xmlNodePtr n)
{
	if (n->ns == NULL || n->ns->href == NULL)
		return NS_OTHER;
	if (strcmp((const char *)n->ns->href, DAV_NS) == 0)
		return NS_DAV;
	if (strcmp((const char *)n->ns->href, KIM_NS) == 0)
		return NS_KIM;
	return NS_OTHER;
}

static int
is(xmlNodePtr n, enum dav_ns ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && ns_of(n) == ns &&
	    strcmp((const char *)n->name, name) == 0;
}

/* The element's text, bounded, or NULL when out of memory. */
static char *
text_of(xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s;

	if (t == NULL)
		return strdup("");
	s = strndup((const char *)t, DAV_VALUE_MAX);
	xmlFree(t);
	return s;
}

/* "HTTP/1.1 200 OK" -> 200; 0 when it does not look like a status line. */
static int
status_of(xmlNodePtr st)
{
	char *t = text_of(st), *p;
	long code = 0;

	if (t == NULL)
		return 0;
	p = strchr(t, ' ');
	if (strncmp(t, "HTTP/", 5) == 0 && p)
		code = strtol(p + 1, NULL, 10);
	free(t);
	return code >= 100 && code <= 599 ? (int)code : 0;
}

static int
add_propstat(struct dav_resp *r, xmlNodePtr ps)
{
	xmlNodePtr c, p;
	int status = 0;

	for (c = ps->children; c; c = c->next)
		if (is(c, NS_DAV, "status"))
			status = status_of(c);
	for (c = ps->children; c; c = c->next) {
		if (!is(c, NS_DAV, "prop"))
			continue;
		for (p = c->children; p; p = p->next) {
			struct dav_prop *d;
			if (p->type != XML_ELEMENT_NODE ||
			    r->nprops >= PROPS_MAX)
				continue;
			d = &r->props[r->nprops];
			d->ns = ns_of(p);
			snprintf(d->name, sizeof(d->name), "%s",
			    (const char *)p->name);
			d->status = status;
			if ((d->value = text_of(p)) == NULL)
				return -1;
			r->nprops++;
		}
	}
	return 0;
}

int
dav_parse(
    const char *buf, size_t len, struct dav_ms *ms, char *why, size_t whylen)
{
	struct guard g = { 0 };
	xmlParserCtxtPtr c;
	xmlDocPtr doc;
	xmlNodePtr root, n, k;
	int rc = -1;

	memset(ms, 0, sizeof(*ms));
	if (len > ANSWER_MAX || len > (size_t)INT32_MAX) {
		snprintf(why, whylen,
		    "the server's answer is larger than %u bytes", ANSWER_MAX);
		return -1;
	}
	c = xmlNewParserCtxt();
	if (c == NULL) {
		snprintf(why, whylen, "libxml2 failed to start");
		return -1;
	}
	c->_private = &g;
	c->sax->internalSubset = refuse_dtd;
	c->sax->externalSubset = refuse_dtd;
	c->sax->entityDecl = refuse_entity;
	/* no NOENT (no substitution), no DTDLOAD, no network, no XInclude */
	doc = xmlCtxtReadMemory(c, buf, (int)len, "dav:answer", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
		XML_PARSE_NOCDATA);
	if (g.dtd) {
		snprintf(why, whylen,
		    "the server's answer has a DOCTYPE (refused: no DTDs or entities)");
		goto out;
	}
	if (doc == NULL || !c->wellFormed) {
		snprintf(
		    why, whylen, "the server's answer is not well-formed XML");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !is(root, NS_DAV, "multistatus")) {
		snprintf(why, whylen,
		    "the server's answer is not a WebDAV multistatus");
		goto out;
	}
	for (n = root->children; n; n = n->next)
		if (is(n, NS_DAV, "response"))
			ms->n++;
	if (ms->n > RESP_MAX) {
		snprintf(why, whylen,
		    "the server's answer lists more than %d entries", RESP_MAX);
		ms->n = 0;
		goto out;
	}
	ms->r = calloc(ms->n ? ms->n : 1, sizeof(*ms->r));
	if (ms->r == NULL)
		goto oom;
	ms->n = 0;
	for (n = root->children; n; n = n->next) {
		struct dav_resp *r;
		if (!is(n, NS_DAV, "response"))
			continue;
		r = &ms->r[ms->n++];
		if ((r->props = calloc(PROPS_MAX, sizeof(*r->props))) == NULL)
			goto oom;
		for (k = n->children; k; k = k->next) {
			if (is(k, NS_DAV, "href") && r->href == NULL &&
			    (r->href = text_of(k)) == NULL)
				goto oom;
			if (is(k, NS_DAV, "propstat") &&
			    add_propstat(r, k) != 0)
				goto oom;
		}
		if (r->href == NULL) {
			snprintf(why, whylen,
			    "the server's answer has an entry without href");
			goto out;
		}
	}
	rc = 0;
	goto out;
oom:
	snprintf(why, whylen, "out of memory");
out:
	if (rc != 0)
		dav_free(ms);
	if (doc)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(c);
	return rc;
}

void
dav_free(struct dav_ms *ms)
{
	size_t i, j;

	for (i = 0; ms->r && i < ms->n; i++) {
		free(ms->r[i].href);
		for (j = 0; j < ms->r[i].nprops; j++)
			free(ms->r[i].props[j].value);
		free(ms->r[i].props);
	}
	free(ms->r);
	ms->r = NULL;
	ms->n = 0;
}

const char *
dav_get(const struct dav_resp *r, enum dav_ns ns, const char *name)
{
	size_t i;

	for (i = 0; i < r->nprops; i++)
		if (r->props[i].ns == ns && r->props[i].status == 200 &&
		    strcmp(r->props[i].name, name) == 0)
			return r->props[i].value;
	return NULL;
}

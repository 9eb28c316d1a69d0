"""HTML content (Mastodon's `content`) to plain text and links, in DuckDB SQL, for a whole
table of contents at once.

The text is what Python's `html.parser.HTMLParser` gives of the content's text nodes:
paragraphs and `<br>` become line breaks, other tags and comments go, character references
are decoded as `html.unescape` decodes them (every HTML5 name, numeric references with the
same replacements), and the ends are stripped of whitespace as `str.strip` strips it. The
links are the `href`s of the anchors that are neither mentions nor hashtags (their `class`).
The tables of names and replacements are Python's own (`html.entities`), landed once a load.
"""

from __future__ import annotations

import html
import html.entities

# Stands where a tag was until the references are decoded, so that a reference never spans
# a tag (HTMLParser decodes each text node on its own); removed after.
_TAG_MARK = "\ue000"
# What str.strip() strips (every character below U+3001 for which str.isspace() holds).
WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
# An attribute list: quoted values may hold '>'.
_ATTRIBUTES = r"""(?:[\s/](?:[^>"']|"[^"]*"|'[^']*')*)?"""
# A start or end tag, a declaration or a processing instruction: what is not text.
_ANY_TAG = r"""</?[a-zA-Z](?:[^>"']|"[^"]*"|'[^']*')*>|<![^>]*>|<\?[^>]*>"""
# html.unescape's pattern of a character reference.
_REFERENCE = r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)"


def _attribute(name: str) -> str:
    """A pattern whose groups d, s and u are the double-, single- and unquoted value."""
    return rf"""(?:^|[\s/]){name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def stage_reference_tables(con) -> None:
    """Temp tables `html_names(name, value)` and `html_codepoints(code, value)`: what
    html.unescape replaces a named and a numeric reference with."""
    names = html.entities.html5
    con.execute(
        "create or replace temp table html_names as select unnest(?) as name, unnest(?) as value",
        [list(names), list(names.values())],
    )
    # Numeric references html.unescape does not turn into chr(n): mapped ones, and
    # code points it drops (value '').
    invalid = {**{code: "" for code in html._invalid_codepoints}, **html._invalid_charrefs}
    con.execute(
        "create or replace temp table html_codepoints as "
        "select unnest(?)::bigint as code, unnest(?) as value",
        [list(invalid), list(invalid.values())],
    )


def stage_html_text(con, contents: str) -> None:
    """Temp table `html_texts(k, text, links)` from the relation `contents(k, content)`.

    Needs `stage_reference_tables` first.
    """
    con.execute(
        f"""
        create or replace temp table html_strings as
        with cleaned as (
            select k, regexp_replace(coalesce(content, ''), '<!--.*?-->', '', 'gs') as html
            from {contents}
        ),
        anchors as (
            select k, generate_subscripts(tags, 1) as position, unnest(tags) as anchor
            from (select k, regexp_extract_all(html, {_literal(f"<[aA]{_ATTRIBUTES}>")}) as tags
                  from cleaned)
        ),
        links as (
            select k, position,
                   regexp_extract(anchor, {_literal(_attribute("href"))}, ['d', 's', 'u'], 'i')
                       as href,
                   regexp_extract(anchor, {_literal(_attribute("class"))}, ['d', 's', 'u'], 'i')
                       as class
            from anchors
        ),
        texts as (
            select k, regexp_replace(regexp_replace(regexp_replace(
                          html, {_literal(f"<[bB][rR]{_ATTRIBUTES}>")}, chr(10), 'g'),
                          {_literal(f"<[pP]{_ATTRIBUTES}>")}, chr(10) || chr(10), 'g'),
                          {_literal(_ANY_TAG)}, {_literal(_TAG_MARK)}, 'g')
                       as raw
            from cleaned
        )
        select k, 0 as position, raw from texts
        union all
        select k, position, coalesce(nullif(href.d, ''), nullif(href.s, ''), href.u) as raw
        from links
        where coalesce(nullif(href.d, ''), nullif(href.s, ''), href.u) <> ''
          and not list_has_any(string_split_regex(trim(coalesce(
                  nullif(class.d, ''), nullif(class.s, ''), class.u, '')), '\\s+'),
                  ['mention', 'hashtag'])
        """
    )
    _decode_references(con)
    con.execute(
        f"""
        create or replace temp table html_texts as
        select c.k,
               coalesce(trim(replace(t.decoded, {_literal(_TAG_MARK)}, ''),
                             {_literal(WHITESPACE)}), '') as text,
               coalesce(l.links, []) as links
        from {contents} as c
        left join html_decoded as t on t.k = c.k and t.position = 0
        left join (select k, list(decoded order by position) as links
                   from html_decoded where position > 0 group by k) as l on l.k = c.k
        """
    )
    con.execute("drop table html_strings")
    con.execute("drop table html_decoded")


def _decode_references(con) -> None:
    """Temp table `html_decoded(k, position, decoded)`: `html_strings` with their character
    references decoded as html.unescape decodes them."""
    con.execute(
        f"""
        create or replace temp table html_decoded as
        with tokens as (
            select k, position, generate_subscripts(pieces, 1) as piece, unnest(pieces) as token
            from (select k, position,
                         regexp_extract_all(raw, {_literal(_REFERENCE + "|[^&]+|&")}) as pieces
                  from html_strings where contains(raw, '&'))
        ),
        numeric as (
            select *, case when token[3] in ('x', 'X')
                           then try_cast('0x' || rtrim(token[4:], ';') as hugeint)
                           else try_cast(rtrim(token[3:], ';') as hugeint) end as code
            from tokens where starts_with(token, '&#')
        ),
        named as (
            select *, token[2:] as name from tokens
            where starts_with(token, '&') and not starts_with(token, '&#') and length(token) > 1
        ),
        -- The longest name (at least two characters) the reference starts with.
        prefixes as (
            select k, position, piece, arg_max(n.value || named.name[prefix + 1:], prefix)
                       as decoded
            from named cross join unnest(range(2, length(named.name) + 1)) as p(prefix)
            join html_names as n on n.name = named.name[:prefix]
            group by k, position, piece
        ),
        decoded as (
            select t.k, t.position, t.piece,
                   case
                       when numeric.piece is not null then
                           case when cp.value is not null then cp.value
                                when numeric.code is null or numeric.code > 1114111
                                     or numeric.code between 55296 and 57343 then chr(65533)
                                else chr(numeric.code::integer) end
                       when named.piece is not null then coalesce(prefixes.decoded, t.token)
                       else t.token
                   end as decoded
            from tokens as t
            left join numeric using (k, position, piece)
            left join html_codepoints as cp on cp.code = numeric.code
            left join named using (k, position, piece)
            left join prefixes using (k, position, piece)
        )
        select k, position, string_agg(decoded, '' order by piece) as decoded
        from decoded group by k, position
        union all
        select k, position, raw from html_strings where not contains(raw, '&')
        """
    )

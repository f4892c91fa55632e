"""Query auditing: format and analyse SQL submitted to the reporting API."""
import sqlparse


def fmt(q):
    return sqlparse.format(q, reindent=True, keyword_case="upper", strip_comments=True)


def analyse(q):
    out = []
    for st in sqlparse.parse(q):
        out.append((st.get_type(), [str(t) for t in st.tokens if not t.is_whitespace][:5]))
        for tok in st.flatten():
            pass
    return out


def split(q):
    return sqlparse.split(q)


def identifiers(q):
    st = sqlparse.parse(q)[0]
    from sqlparse.sql import IdentifierList, Identifier, Where
    names = []
    for t in st.tokens:
        if isinstance(t, IdentifierList):
            names += [i.get_real_name() for i in t.get_identifiers()]
        elif isinstance(t, Identifier):
            names.append((t.get_real_name(), t.get_alias()))
        elif isinstance(t, Where):
            names.append(str(t)[:20])
    return names


QS = ["select a, b as bee from t1 join t2 on t1.id=t2.id where x > 1 -- c\n order by a",
      "insert into log (a,b) values (1,'x'); update t set a=a+1 where id in (select id from u);",
      "create table foo (id int primary key, name varchar(20) not null)",
      "with c as (select * from a) select count(*), max(v) from c group by k having count(*) > 2",
      "delete from t where d < now() - interval '1 day'"]
TASKS = [("fmt", fmt, QS), ("analyse", analyse, QS), ("split", split, QS[:3]), ("identifiers", identifiers, QS)]

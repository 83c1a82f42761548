"""Multi-row INSERTs built once per batch, for the import's hot path.

Django's bulk_create prepares every value of every object through the full expression machinery; for
100,000 awards that costs more than the database work itself. Here each column gets one converter
(the backend's own adapter for its type) and rows go in as plain tuples, in as few statements as the
backend's parameter limit allows, returning the new primary keys in order (as bulk_create does).
"""

from collections.abc import Callable, Sequence

from django.db import NotSupportedError, connection


def _converter(field) -> Callable | None:
    ops = connection.ops
    kind = field.get_internal_type()
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if kind == "DecimalField":
        return lambda value: ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
    if kind == "UUIDField" and not connection.features.has_native_uuid_field:
        return lambda value: value.hex if value is not None else None
    if kind == "JSONField":
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def insert_rows(model, columns: Sequence[str], rows: list[tuple], *, returning: bool = True) -> list[int]:
    """INSERT `rows` (tuples of Python values in `columns` order: attnames such as learner_id).

    Returns the new primary keys, in row order, when `returning` (the database must support it).
    """
    if not rows:
        return []
    fields = [model._meta.get_field(name) for name in columns]  # attnames resolve too (learner_id)
    converters = [(i, c) for i, c in enumerate(_converter(f) for f in fields) if c is not None]
    if converters:
        prepared = []
        for row in rows:
            row = list(row)
            for index, convert in converters:
                value = row[index]
                if value is not None:
                    row[index] = convert(value)
            prepared.append(row)
    else:
        prepared = rows
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    pk = quote(model._meta.pk.column)
    per_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    limit = connection.features.max_query_params or 65535
    chunk = max(1, min(len(prepared), limit // len(columns)))
    if returning and not connection.features.can_return_rows_from_bulk_insert:
        raise NotSupportedError("The import needs INSERT … RETURNING (SQLite 3.35+ or PostgreSQL).")
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), chunk):
            part = prepared[start : start + chunk]
            # Table and column names come from the model and are quoted; values are parameters.
            sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([per_row] * len(part))  # noqa: S608
            params = [value for row in part for value in row]
            if returning:
                cursor.execute(sql + f" RETURNING {pk}", params)
                ids.extend(row[0] for row in cursor.fetchall())
            else:
                cursor.execute(sql, params)
    return ids

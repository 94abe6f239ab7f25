"""An access log that refuses rows, for the tests of reads that must not be
answered without theirs."""

from __future__ import annotations

# The access log refuses the timeline's rows, as a full disk would (SQLSTATE
# 53100, which the API answers as an outage: 503).
REFUSE_TIMELINE_ROWS = """
CREATE FUNCTION refuse_timeline_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.view = 'timeline' THEN
        RAISE EXCEPTION 'no room for the row' USING ERRCODE = 'disk_full';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER refuse_timeline_rows BEFORE INSERT ON access_log
    FOR EACH ROW EXECUTE FUNCTION refuse_timeline_rows();
"""

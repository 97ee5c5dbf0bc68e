import { OffsetPageQuery } from '../../../common/http/offset-page.query.js';

export class List{{Names}}Query extends OffsetPageQuery {}
